import { kafkaToolInvocation, UnknownKafkaToolError } from '../../../../../local/tools/cli/kafka-tools';

const BROKER = '127.0.0.1:9092';

describe('fluxo kafka: the course commands as Kafka tool command lines', () => {
  it.each([
    ['kafka-topics.sh', ['--list'], 'org.apache.kafka.tools.TopicCommand', ['--list', '--bootstrap-server', BROKER]],
    [
      'kafka-topics',
      ['--create', '--replication-factor', '1', '--partitions', '1', '--topic', 'maria'],
      'org.apache.kafka.tools.TopicCommand',
      ['--create', '--replication-factor', '1', '--partitions', '1', '--topic', 'maria', '--bootstrap-server', BROKER],
    ],
    [
      'kafka-console-producer.sh',
      ['--topic', 'mensagens'],
      'kafka.tools.ConsoleProducer',
      ['--topic', 'mensagens', '--bootstrap-server', BROKER],
    ],
    [
      'kafka-console-consumer.sh',
      ['--topic', 'mensagens', '--from-beginning'],
      'org.apache.kafka.tools.consumer.ConsoleConsumer',
      ['--topic', 'mensagens', '--from-beginning', '--bootstrap-server', BROKER],
    ],
    [
      'kafka-consumer-groups',
      ['--describe', '--group', 'fluxo-peso-acima-80'],
      'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand',
      ['--describe', '--group', 'fluxo-peso-acima-80', '--bootstrap-server', BROKER],
    ],
  ])('runs %s %j with the local broker added', (tool, args, mainClass, expected) => {
    // Act
    const invocation = kafkaToolInvocation(tool, args, BROKER);

    // Assess
    expect(invocation).toEqual({ tool: tool.replace(/\.sh$/, ''), mainClass, args: expected, notes: [] });
  });

  it.each([
    [['--bootstrap-server', 'localhost:9092', '--list']],
    [['--bootstrap-server=127.0.0.1:9092', '--list']],
    [['--broker-list', 'localhost:9092', '--topic', 't']],
  ])('keeps a bootstrap address the user gave, %j, that names the local broker', (args) => {
    // Act
    const invocation = kafkaToolInvocation('kafka-topics.sh', args, BROKER);

    // Assess
    expect(invocation.args).toEqual(args);
    expect(invocation.notes).toEqual([]);
  });

  it('says so when the address given is not where the local broker listens (9092 was taken at start)', () => {
    // Act
    const invocation = kafkaToolInvocation('kafka-topics.sh', ['--bootstrap-server', 'localhost:9092', '--list'], '127.0.0.1:40123');

    // Assess
    expect(invocation.args).toEqual(['--bootstrap-server', 'localhost:9092', '--list']);
    expect(invocation.notes).toEqual(['the local broker listens on 127.0.0.1:40123, not localhost:9092']);
  });

  it("replaces the course's --zookeeper with the local broker, saying why", () => {
    // Act
    const invocation = kafkaToolInvocation('kafka-topics.sh', ['--create', '--zookeeper', 'localhost:2181', '--topic', 'maria'], BROKER);

    // Assess
    expect(invocation.args).toEqual(['--create', '--topic', 'maria', '--bootstrap-server', BROKER]);
    expect(invocation.notes).toEqual([
      `--zookeeper localhost:2181 replaced by --bootstrap-server ${BROKER}: the local broker runs in KRaft mode, without ZooKeeper`,
    ]);
  });

  it('adds nothing to --help', () => {
    // Act & Assess
    expect(kafkaToolInvocation('kafka-topics', ['--help'], BROKER).args).toEqual(['--help']);
  });

  it('refuses a tool it does not know, listing the ones it runs', () => {
    // Act
    const act = () => kafkaToolInvocation('kafka-server-start.sh', [], BROKER);

    // Assess
    expect(act).toThrow(UnknownKafkaToolError);
    expect(act).toThrow(
      'unknown Kafka tool "kafka-server-start.sh"; fluxo kafka runs kafka-topics, kafka-console-producer, kafka-console-consumer, kafka-consumer-groups, kafka-configs, kafka-get-offsets',
    );
  });
});
