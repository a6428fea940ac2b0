/** Fetching the services' jars once into the cache, with a stand-in `mvn` (no network). */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { DependencyInstallError, MissingToolError } from '../../../../../local/emulation/services/errors';
import { installBundle, type Bundle } from '../../../../../local/emulation/services/install';

/** A fake `mvn`: logs its arguments, writes a jar (or, for natives, a .so) into -DoutputDirectory, fails on FAKE_MVN_FAIL. */
const FAKE_MVN = `#!/bin/sh
echo "$@" >> "$FAKE_MVN_LOG"
if [ -n "$FAKE_MVN_FAIL" ]; then echo "[ERROR] Failed to execute goal: Could not resolve dependencies"; exit 1; fi
out=""; kind="jar"
for arg in "$@"; do
  case "$arg" in
    -DoutputDirectory=*) out="\${arg#-DoutputDirectory=}" ;;
    -DexcludeTypes=jar) kind="so" ;;
  esac
done
mkdir -p "$out" && echo fake > "$out/dependency-1.0.$kind"
`;

const BUNDLE: Bundle = {
  name: 'fake-service-1.0',
  dependencies: [{ groupId: 'dev.fluxo.test', artifactId: 'fake-service', version: '1.0' }],
  natives: true,
};

describe('fetching the jars of a local service', () => {
  let dir: string;
  let cacheDir: string;
  let env: NodeJS.ProcessEnv;
  const mvnLog = (): string[] => (existsSync(join(dir, 'mvn.log')) ? readFileSync(join(dir, 'mvn.log'), 'utf8').trim().split('\n') : []);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fluxo-install-'));
    cacheDir = join(dir, 'cache');
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'mvn'), FAKE_MVN);
    chmodSync(join(dir, 'bin', 'mvn'), 0o755);
    env = { PATH: `${join(dir, 'bin')}${delimiter}/usr/bin${delimiter}/bin`, FAKE_MVN_LOG: join(dir, 'mvn.log') };
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs Maven on the first call, copying jars and native libraries apart, and reports each step', async () => {
    // Prepare
    const progress: string[] = [];

    // Act
    const installed = await installBundle(BUNDLE, { cacheDir, env, onProgress: (line) => progress.push(line) });

    // Assess
    expect(installed).toMatchObject({
      fetched: true,
      libDir: join(cacheDir, 'fake-service-1.0', 'lib'),
      nativeDir: join(cacheDir, 'fake-service-1.0', 'native'),
    });
    expect(readdirSync(installed.libDir)).toEqual(['dependency-1.0.jar']);
    expect(readdirSync(installed.nativeDir)).toEqual(['dependency-1.0.so']);
    expect(mvnLog()).toHaveLength(2);
    expect(mvnLog()[0]).toContain('org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies');
    expect(mvnLog()[0]).toContain('-DincludeTypes=jar');
    expect(readFileSync(join(cacheDir, 'fake-service-1.0', 'pom.xml'), 'utf8')).toContain('<artifactId>fake-service</artifactId>');
    expect(progress).toEqual([
      'fetching fake-service-1.0 from Maven Central (first run only)...',
      expect.stringMatching(/^fetched fake-service-1\.0: 1 jars, [\d.]+ MiB in [\d.]+ s$/),
    ]);
  });

  it('reuses the cache on later calls without running Maven, so Maven is needed only once', async () => {
    // Prepare
    await installBundle(BUNDLE, { cacheDir, env });
    const calls = mvnLog().length;

    // Act
    const again = await installBundle(BUNDLE, { cacheDir, env: { PATH: '' } });

    // Assess
    expect(again.fetched).toBe(false);
    expect(mvnLog()).toHaveLength(calls);
  });

  it('leaves no half cache when Maven fails, and says what Maven said', async () => {
    // Prepare
    env.FAKE_MVN_FAIL = '1';

    // Act
    const installing = installBundle(BUNDLE, { cacheDir, env });

    // Assess
    await expect(installing).rejects.toBeInstanceOf(DependencyInstallError);
    await expect(installBundle(BUNDLE, { cacheDir, env })).rejects.toThrow(/mvn exited with code 1[\s\S]*Could not resolve dependencies/);
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it('removes what an interrupted earlier download left', async () => {
    // Prepare: pid 2^22+1 is above Linux's pid_max, so no process has it.
    const abandoned = join(cacheDir, `fake-service-1.0.partial-${2 ** 22 + 1}`);
    mkdirSync(join(abandoned, 'lib'), { recursive: true });

    // Act
    await installBundle(BUNDLE, { cacheDir, env });

    // Assess
    expect(existsSync(abandoned)).toBe(false);
    expect(readdirSync(cacheDir)).toEqual(['fake-service-1.0']);
  });

  it('says in one line that Maven is needed when the cache is empty and mvn is missing', async () => {
    // Act
    const installing = installBundle(BUNDLE, { cacheDir, env: { PATH: '' } });

    // Assess
    await expect(installing).rejects.toBeInstanceOf(MissingToolError);
  });
});
