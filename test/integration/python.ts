/**
 * Python for the integration tests: a virtual environment at `.fluxo/venv` with the pinned
 * packages of `python/requirements.txt` (kafka-python, the course's Kafka client). `.ci/run`
 * installs them beforehand; on a machine where they are missing, the first test that needs them
 * installs them from PyPI, as the local stack fetches its jars from Maven Central.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../..');
/** The virtual environment the tests (and CI) use. */
export const VENV = join(ROOT, '.fluxo', 'venv');
/** The pinned requirements. */
export const REQUIREMENTS = join(__dirname, 'python', 'requirements.txt');
const PYTHON = join(VENV, 'bin', 'python');

async function hasPinnedPackages(): Promise<boolean> {
  if (!existsSync(PYTHON)) return false;
  try {
    await run(
      join(VENV, 'bin', 'pip'),
      ['install', '--quiet', '--disable-pip-version-check', '--no-index', '--dry-run', '-r', REQUIREMENTS],
      { timeout: 60_000 },
    );
    return true;
  } catch {
    return false;
  }
}

/** The venv's python, with the pinned packages installed (from PyPI when missing). */
export async function testPython(): Promise<string> {
  if (await hasPinnedPackages()) return PYTHON;
  if (!existsSync(PYTHON)) await run('python3', ['-m', 'venv', VENV], { timeout: 120_000 });
  await run(join(VENV, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', '-r', REQUIREMENTS], { timeout: 300_000 });
  return PYTHON;
}
