import { App, Stack, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { addNagChecks } from '../../lib/nag';
import { tempDirPerTest } from '../support/temp-dir';

describe('cdk-nag wiring of the app', () => {
  const outdir = tempDirPerTest('fluxo-nag-');

  it('fails the synth on a finding nobody acknowledged', () => {
    // Prepare
    const app = new App({ outdir: outdir() });
    new sqs.Queue(new Stack(app, 'Careless'), 'Queue', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    addNagChecks(app);

    // Act
    const act = () => app.synth();

    // Assess
    expect(act).toThrow(/AwsSolutions-SQS2/);
    expect(act).toThrow(/AwsSolutions-SQS4/);
  });

  it('lets the synth through once every finding is acknowledged with a reason', () => {
    // Prepare
    const app = new App({ outdir: outdir() });
    const stack = new Stack(app, 'Careful');
    const queue = new sqs.Queue(stack, 'Queue', { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true });
    Validations.of(queue).acknowledge(
      { id: 'AwsSolutions-SQS3', reason: 'it is a dead-letter queue' },
      { id: 'Serverless-SQSRedrivePolicy', reason: 'it is a dead-letter queue' },
    );
    addNagChecks(app);

    // Act
    const act = () => app.synth();

    // Assess
    expect(act).not.toThrow();
  });
});
