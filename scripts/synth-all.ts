/**
 * `npm run synth`: synthesizes the stack once per broker mode into `cdk.out/<mode>/`, with the
 * cdk-nag checks the app registers, and exits non-zero if any mode fails.
 *
 * Extra context is passed through, e.g. `npm run synth -- -c stage=prod`.
 */
import { spawnSync } from 'node:child_process';
import { BROKER_MODES } from '../lib/config';

const extraArgs = process.argv.slice(2);
const failed: string[] = [];
for (const mode of BROKER_MODES) {
  const started = Date.now();
  process.stdout.write(`synth ${mode} -> cdk.out/${mode} ... `);
  const result = spawnSync('npx', ['cdk', 'synth', '--quiet', '-c', `brokerMode=${mode}`, '-o', `cdk.out/${mode}`, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  if (result.status === 0) {
    process.stdout.write(`ok (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  } else {
    process.stdout.write('FAILED\n');
    process.stderr.write(`${result.stdout}\n${result.stderr}\n`);
    failed.push(mode);
  }
}
if (failed.length > 0) {
  process.stderr.write(`synth failed for: ${failed.join(', ')}\n`);
  process.exit(1);
}
