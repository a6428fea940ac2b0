/** Finding java and mvn, and saying clearly when they are missing. */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MissingToolError } from '../../../../../local/emulation/services/errors';
import { findJava, findMaven, findOnPath, parseJavaVersion } from '../../../../../local/emulation/services/tools';
import { tempDirPerTest } from '../../../../support/temp-dir';

describe('finding the tools the local services need', () => {
  const dir = tempDirPerTest('fluxo-tools-');

  function fakeProgram(name: string, script: string): string {
    const path = join(dir(), name);
    writeFileSync(path, `#!/bin/sh\n${script}\n`);
    chmodSync(path, 0o755);
    return path;
  }

  it('finds an executable on PATH and nothing that is not there', () => {
    // Prepare
    const mvn = fakeProgram('mvn', 'exit 0');

    // Act
    const found = findOnPath('mvn', { PATH: dir() });
    const missing = findOnPath('no-such-program', { PATH: dir() });

    // Assess
    expect(found).toBe(mvn);
    expect(missing).toBeUndefined();
  });

  it('says in one line how to get Maven when mvn is not on PATH', () => {
    // Act
    const find = (): string => findMaven({ PATH: dir() });

    // Assess
    expect(find).toThrow(MissingToolError);
    expect(find).toThrow(/^mvn not found on PATH: install Maven 3[^\n]*$/);
  });

  it('says in one line how to get Java when java is neither on PATH nor in JAVA_HOME', () => {
    // Act
    const find = (): string => findJava({ PATH: dir() });

    // Assess
    expect(find).toThrow(MissingToolError);
    expect(find).toThrow(/^java not found on PATH: install Java 17 or newer[^\n]*$/);
  });

  it('refuses a Java older than 17', () => {
    // Prepare
    fakeProgram('java', `echo 'openjdk version "11.0.2" 2019-01-15' >&2`);

    // Act
    const find = (): string => findJava({ PATH: dir() });

    // Assess
    expect(find).toThrow(/Java 11; install Java 17 or newer/);
  });

  it('prefers the java of JAVA_HOME to the one on PATH', () => {
    // Prepare
    const home = join(dir(), 'jdk');
    mkdirSync(join(home, 'bin'), { recursive: true });
    writeFileSync(join(home, 'bin', 'java'), `#!/bin/sh\necho 'openjdk version "21.0.1" 2023-10-17' >&2\n`);
    chmodSync(join(home, 'bin', 'java'), 0o755);

    // Act
    const java = findJava({ PATH: '', JAVA_HOME: home });

    // Assess
    expect(java).toBe(join(home, 'bin', 'java'));
  });

  it.each([
    ['openjdk version "17.0.15" 2025-04-15', 17],
    ['java version "1.8.0_392"', 8],
    ['openjdk version "21" 2023-09-19', 21],
    ['not java at all', undefined],
  ])('reads the Java major version from %j', (output, major) => {
    // Act
    const version = parseJavaVersion(output);

    // Assess
    expect(version).toBe(major);
  });
});
