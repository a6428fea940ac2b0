/**
 * Finding the external programs the local stack runs: `java` (Kafka and DynamoDB Local are JVM
 * programs) and `mvn` (fetches their jars from Maven Central on the first run).
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { MissingToolError } from './errors';

/** The oldest Java major version the local stack supports (Kafka 3.9 and DynamoDB Local 2.x run on it). */
export const MIN_JAVA_VERSION = 17;

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The full path of `name` on `PATH`, or undefined when it is not there. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const suffixes = process.platform === 'win32' ? ['.exe', '.cmd', '.bat', ''] : [''];
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const suffix of suffixes) {
      const candidate = join(dir, name + suffix);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

/**
 * The `java` to run: `$JAVA_HOME/bin/java` when JAVA_HOME is set, else `java` on PATH.
 * Throws a {@link MissingToolError} when there is none or it is older than Java 17.
 */
export function findJava(env: NodeJS.ProcessEnv = process.env): string {
  const fromHome = env.JAVA_HOME ? join(env.JAVA_HOME, 'bin', process.platform === 'win32' ? 'java.exe' : 'java') : undefined;
  const java = fromHome && isExecutable(fromHome) ? fromHome : findOnPath('java', env);
  if (!java)
    throw new MissingToolError(
      'java',
      `install Java ${MIN_JAVA_VERSION} or newer (e.g. apt-get install openjdk-17-jre-headless) or set JAVA_HOME`,
    );
  const major = javaMajorVersion(java);
  if (major !== undefined && major < MIN_JAVA_VERSION) {
    throw new MissingToolError(
      `java ${MIN_JAVA_VERSION}+`,
      `${java} is Java ${major}; install Java ${MIN_JAVA_VERSION} or newer or point JAVA_HOME at it`,
    );
  }
  return java;
}

/** The major version `java -version` reports (8 for "1.8.0_x", 17 for "17.0.15"), undefined when unreadable. */
export function parseJavaVersion(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] !== undefined ? Number(match[2]) : first;
}

function javaMajorVersion(java: string): number | undefined {
  // `java -version` writes to stderr.
  const result = spawnSync(java, ['-version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  return parseJavaVersion(`${result.stderr ?? ''}${result.stdout ?? ''}`);
}

/** The `mvn` on PATH; throws a {@link MissingToolError} when there is none. */
export function findMaven(env: NodeJS.ProcessEnv = process.env): string {
  const mvn = findOnPath('mvn', env);
  if (!mvn)
    throw new MissingToolError(
      'mvn',
      'install Maven 3 (e.g. apt-get install maven); it fetches the Kafka and DynamoDB Local jars from Maven Central on the first run',
    );
  return mvn;
}
