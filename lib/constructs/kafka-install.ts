/**
 * Shell snippets for EC2 user data that install Apache Kafka from the Apache archive: shared by
 * the self-managed broker (`hdpmaster`) and the client host.
 */

/** The Apache Kafka release installed on EC2 hosts: the 3.9 line MSK runs. */
export const KAFKA_VERSION = '3.9.1';
/** The Scala build of the release. */
export const KAFKA_SCALA_VERSION = '2.13';
/** Where Kafka is unpacked on EC2 hosts. */
export const KAFKA_HOME = '/opt/kafka';

/** Commands that install Java 17 and Kafka under {@link KAFKA_HOME}, with its `bin/` on every login's PATH. */
export function installKafkaCommands(): string[] {
  const dist = `kafka_${KAFKA_SCALA_VERSION}-${KAFKA_VERSION}`;
  return [
    'set -euxo pipefail',
    'dnf install -y java-17-amazon-corretto-headless',
    `curl -fsSL --retry 5 https://archive.apache.org/dist/kafka/${KAFKA_VERSION}/${dist}.tgz -o /tmp/kafka.tgz`,
    'tar -xzf /tmp/kafka.tgz -C /opt',
    `ln -sfn /opt/${dist} ${KAFKA_HOME}`,
    `echo 'export PATH=${KAFKA_HOME}/bin:$PATH' > /etc/profile.d/kafka.sh`,
  ];
}

/** A command that prints this instance's private DNS name (IMDSv2). */
export const LOCAL_HOSTNAME =
  '$(curl -fsS -H "X-aws-ec2-metadata-token: $(curl -fsS -X PUT http://169.254.169.254/latest/api/token -H \'X-aws-ec2-metadata-token-ttl-seconds: 60\')" http://169.254.169.254/latest/meta-data/local-hostname)';
