import { Duration, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { KAFKA_HOME, LOCAL_HOSTNAME, installKafkaCommands } from './kafka-install';
import { managedPolicyFinding } from '../nag';

/** The plaintext listener port of the self-managed broker. */
export const EC2_KAFKA_PORT = 9092;

/** Properties of {@link Ec2KafkaBroker}. */
export interface Ec2KafkaBrokerProps {
  /** The VPC the Network construct created. */
  readonly vpc: ec2.IVpc;
  /** Subnets to place the instance in (the first one is used). */
  readonly subnets: ec2.SubnetSelection;
  /** The broker's security group. */
  readonly securityGroup: ec2.ISecurityGroup;
}

/** The broker's `server.properties`: single-node KRaft (broker and controller in one process). */
function serverProperties(): string[] {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    'controller.quorum.voters=1@localhost:9093',
    `listeners=PLAINTEXT://:${EC2_KAFKA_PORT},CONTROLLER://localhost:9093`,
    `advertised.listeners=PLAINTEXT://${LOCAL_HOSTNAME}:${EC2_KAFKA_PORT}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    'log.dirs=/var/lib/kafka',
    'num.partitions=1',
    'auto.create.topics.enable=false',
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'log.retention.hours=168',
  ];
}

/**
 * The course's `hdpmaster`: one EC2 instance running a single-node Apache Kafka broker in KRaft
 * mode, plaintext inside the VPC, reached by SSM Session Manager only (no SSH key, no public
 * IP). The cheapest way to run the pipeline on AWS; no replication, so not for real data.
 */
export class Ec2KafkaBroker extends Construct {
  /** The instance. */
  public readonly instance: ec2.Instance;
  /** `host:9092` of the broker (its private DNS name). */
  public readonly bootstrapBrokers: string;

  public constructor(scope: Construct, id: string, props: Ec2KafkaBrokerProps) {
    super(scope, id);
    const userData = ec2.UserData.forLinux();
    userData.addCommands(
      // cfn-signal first, so that any later failure is reported instead of timing out.
      'dnf install -y aws-cfn-bootstrap',
      ...installKafkaCommands(),
      'useradd --system --home-dir /var/lib/kafka --shell /sbin/nologin kafka',
      'install -d -o kafka -g kafka /var/lib/kafka',
      `cat > ${KAFKA_HOME}/config/fluxo.properties <<EOF\n${serverProperties().join('\n')}\nEOF`,
      `sudo -u kafka ${KAFKA_HOME}/bin/kafka-storage.sh format --ignore-formatted -t "$(${KAFKA_HOME}/bin/kafka-storage.sh random-uuid)" -c ${KAFKA_HOME}/config/fluxo.properties`,
      [
        'cat > /etc/systemd/system/kafka.service <<EOF',
        '[Unit]',
        'Description=Apache Kafka (fluxo hdpmaster)',
        'After=network-online.target',
        '[Service]',
        'User=kafka',
        'Environment="KAFKA_HEAP_OPTS=-Xms512m -Xmx1g"',
        `ExecStart=${KAFKA_HOME}/bin/kafka-server-start.sh ${KAFKA_HOME}/config/fluxo.properties`,
        'Restart=on-failure',
        '[Install]',
        'WantedBy=multi-user.target',
        'EOF',
      ].join('\n'),
      'systemctl daemon-reload',
      'systemctl enable --now kafka',
      // Report success only once the broker answers: the topic admin runs right after.
      `timeout 300 bash -c 'until (echo > /dev/tcp/127.0.0.1/${EC2_KAFKA_PORT}) 2>/dev/null; do sleep 2; done'`,
    );
    const role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'));
    this.instance = new ec2.Instance(this, 'Instance', {
      instanceName: 'hdpmaster',
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroup: props.securityGroup,
      // t4g.small: 2 GiB, Kafka's 1 GiB heap plus the OS.
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.SMALL),
      machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.ARM_64 }),
      role,
      userData,
      requireImdsv2: true,
      // CloudFormation waits for the user data's signal, so topics are created on a running broker.
      resourceSignalTimeout: Duration.minutes(15),
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(20, { encrypted: true, volumeType: ec2.EbsDeviceVolumeType.GP3 }),
        },
      ],
    });
    userData.addSignalOnExitCommand(this.instance);
    this.bootstrapBrokers = `${this.instance.instancePrivateDnsName}:${EC2_KAFKA_PORT}`;
    Validations.of(this).acknowledge(
      {
        id: managedPolicyFinding('AmazonSSMManagedInstanceCore'),
        reason: 'AmazonSSMManagedInstanceCore is the documented minimum for Session Manager access (no SSH key, no public IP).',
      },
      {
        id: 'AwsSolutions-EC28',
        reason: 'Sandbox broker: basic 5-minute monitoring is enough; detailed monitoring costs extra per metric.',
      },
      {
        id: 'AwsSolutions-EC29',
        reason: 'Sandbox broker, recreated at will by the stack; termination protection would block `cdk destroy`.',
      },
    );
  }
}
