import { Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { KafkaAuth } from '../../core/deployment';
import { KAFKA_HOME, installKafkaCommands } from './kafka-install';
import { KafkaCluster } from './kafka-cluster';
import { managedPolicyFinding } from '../nag';

/** The consumer group the course's console tools use on the client host. */
export const CONSOLE_GROUP_ID = 'fluxo-cli';
/** The MSK IAM auth library for the Kafka CLI (Java), from its GitHub release. */
export const MSK_IAM_AUTH_VERSION = '2.3.2';
/**
 * kafka-python, the course's Python client, installed on the host (the same pin as the
 * integration tests' test/integration/python/requirements.txt). Its 2.1+ line speaks MSK IAM
 * (`sasl_mechanism='AWS_MSK_IAM'`, with botocore for credentials and region).
 */
export const KAFKA_PYTHON_VERSION = '3.0.12';

/** Properties of {@link ClientHost}. */
export interface ClientHostProps {
  /** The VPC the Network construct created. */
  readonly vpc: ec2.IVpc;
  /** Private subnets to place the host in. */
  readonly subnets: ec2.SubnetSelection;
  /** The Kafka to configure the tools for. */
  readonly kafka: KafkaCluster;
  /** The topics the console tools may read and write. */
  readonly topics: readonly string[];
}

/** The `client.properties` the console tools take with `--command-config` / `--consumer.config` / `--producer.config`. */
export function clientProperties(auth: KafkaAuth): string[] {
  const common = [`group.id=${CONSOLE_GROUP_ID}`];
  if (auth === 'none') return ['security.protocol=PLAINTEXT', ...common];
  return [
    'security.protocol=SASL_SSL',
    'sasl.mechanism=AWS_MSK_IAM',
    'sasl.jaas.config=software.amazon.msk.auth.iam.IAMLoginModule required;',
    'sasl.client.callback.handler.class=software.amazon.msk.auth.iam.IAMClientCallbackHandler',
    ...common,
  ];
}

/**
 * A client host mirroring the course's `hdpmaster` terminal: an EC2 instance reached by SSM
 * Session Manager (no SSH key, no public IP) with the Kafka command-line tools and kafka-python, a
 * `client.properties` for the cluster's authentication and `$BOOTSTRAP` and `$AWS_DEFAULT_REGION`
 * set on login, so that `kafka-topics.sh --bootstrap-server $BOOTSTRAP --command-config
 * ~/client.properties --list`, the console producer and consumer, and the course's kafka-python
 * script (with `security_protocol='SASL_SSL', sasl_mechanism='AWS_MSK_IAM'` on MSK) work against
 * the cluster as they did on one machine.
 */
export class ClientHost extends Construct {
  /** The instance. */
  public readonly instance: ec2.Instance;

  public constructor(scope: Construct, id: string, props: ClientHostProps) {
    super(scope, id);
    const { kafka } = props;
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'fluxo client host: no inbound; Session Manager is outbound-only',
      allowAllOutbound: true,
    });
    kafka.allowClient(securityGroup, 'client host (Kafka CLI)');
    const role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'));
    kafka.grantConsole(role, props.topics, CONSOLE_GROUP_ID);

    const userData = ec2.UserData.forLinux();
    userData.addCommands(...installKafkaCommands());
    if (kafka.auth === 'iam') {
      userData.addCommands(
        `curl -fsSL --retry 5 https://github.com/aws/aws-msk-iam-auth/releases/download/v${MSK_IAM_AUTH_VERSION}/aws-msk-iam-auth-${MSK_IAM_AUTH_VERSION}-all.jar -o ${KAFKA_HOME}/libs/aws-msk-iam-auth-${MSK_IAM_AUTH_VERSION}-all.jar`,
      );
    }
    // kafka-python with botocore (its MSK IAM mechanism's credentials and region; botocore reads AWS_DEFAULT_REGION).
    userData.addCommands('dnf install -y python3-pip', `pip3 install kafka-python==${KAFKA_PYTHON_VERSION} botocore`);
    userData.addCommands(
      `cat > /etc/kafka-client.properties <<'EOF'\n${clientProperties(kafka.auth).join('\n')}\nEOF`,
      `echo 'export BOOTSTRAP=${kafka.bootstrapBrokers}' >> /etc/profile.d/kafka.sh`,
      `echo 'export AWS_DEFAULT_REGION=${Stack.of(this).region}' >> /etc/profile.d/kafka.sh`,
      "echo 'test -f ~/client.properties || cp /etc/kafka-client.properties ~/client.properties' >> /etc/profile.d/kafka.sh",
    );
    this.instance = new ec2.Instance(this, 'Instance', {
      instanceName: 'fluxo-client',
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroup,
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.SMALL),
      machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.ARM_64 }),
      role,
      userData,
      requireImdsv2: true,
      blockDevices: [
        { deviceName: '/dev/xvda', volume: ec2.BlockDeviceVolume.ebs(8, { encrypted: true, volumeType: ec2.EbsDeviceVolumeType.GP3 }) },
      ],
    });
    Validations.of(this).acknowledge(
      {
        id: managedPolicyFinding('AmazonSSMManagedInstanceCore'),
        reason: 'AmazonSSMManagedInstanceCore is the documented minimum for Session Manager access (no SSH key, no public IP).',
      },
      { id: 'AwsSolutions-EC28', reason: 'Sandbox client host: basic monitoring is enough.' },
      { id: 'AwsSolutions-EC29', reason: 'Sandbox client host, off by a context flag; termination protection would block `cdk destroy`.' },
    );
  }
}
