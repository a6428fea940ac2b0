/** What the local services are started with: generated configuration, poms and arguments. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dynamoDbLocalArgs } from '../../../../../local/emulation/services/dynamodb-local';
import { DYNAMODB_LOCAL_BUNDLE, KAFKA_BUNDLE, KAFKA_VERSION, bundlePom } from '../../../../../local/emulation/services/install';
import {
  TOOLS_LOG4J,
  kafkaToolCommand,
  log4jProperties,
  newClusterId,
  serverProperties,
} from '../../../../../local/emulation/services/kafka';
import { servicePaths } from '../../../../../local/emulation/services';

function properties(text: string): Map<string, string> {
  const entries = text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const at = line.indexOf('=');
      return [line.slice(0, at), line.slice(at + 1)] as [string, string];
    });
  return new Map(entries);
}

describe('the Kafka broker configuration', () => {
  it('is one KRaft node, broker and controller, listening on 127.0.0.1 only', () => {
    // Act
    const config = properties(serverProperties({ port: 19092, controllerPort: 19093, dataDir: '/d/kafka' }));

    // Assess
    expect(config.get('process.roles')).toBe('broker,controller');
    expect(config.get('controller.quorum.voters')).toBe('1@127.0.0.1:19093');
    expect(config.get('listeners')).toBe('PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093');
    expect(config.get('advertised.listeners')).toBe('PLAINTEXT://127.0.0.1:19092');
    expect(config.get('log.dirs')).toBe('/d/kafka');
  });

  it('creates no topic by itself and gives the internal topics the single replica one broker has', () => {
    // Act
    const config = properties(serverProperties({ port: 1, controllerPort: 2, dataDir: '/d' }));

    // Assess
    expect(config.get('auto.create.topics.enable')).toBe('false');
    expect(config.get('offsets.topic.replication.factor')).toBe('1');
    expect(config.get('transaction.state.log.replication.factor')).toBe('1');
    expect(config.get('transaction.state.log.min.isr')).toBe('1');
    expect(config.get('group.initial.rebalance.delay.ms')).toBe('0');
  });

  it('logs to a rolling file and not to the console', () => {
    // Act
    const config = properties(log4jProperties('/d/logs/kafka.log'));

    // Assess
    expect(config.get('log4j.rootLogger')).toBe('INFO, file');
    expect(config.get('log4j.appender.file')).toBe('org.apache.log4j.RollingFileAppender');
    expect(config.get('log4j.appender.file.File')).toBe('/d/logs/kafka.log');
    expect([...config.values()].join(' ')).not.toContain('ConsoleAppender');
  });

  it('gets cluster ids Kafka accepts: 16 bytes in base64url, never starting with a dash', () => {
    // Act
    const ids = Array.from({ length: 200 }, newClusterId);

    // Assess
    for (const id of ids) {
      expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
      expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('the Maven poms of the local services', () => {
  it('ask for the Kafka 3.9 broker, its tools and a log4j binding', () => {
    // Act
    const pom = bundlePom(KAFKA_BUNDLE);

    // Assess
    expect(KAFKA_VERSION).toMatch(/^3\.9\.\d+$/);
    expect(pom).toContain(`<groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${KAFKA_VERSION}</version>`);
    expect(pom).toContain('<artifactId>kafka-tools</artifactId>');
    expect(pom).toContain('<artifactId>slf4j-reload4j</artifactId>');
    expect(pom).toContain('<packaging>pom</packaging>');
  });

  it('ask for DynamoDB Local 2.x, whose native libraries are copied apart', () => {
    // Act
    const pom = bundlePom(DYNAMODB_LOCAL_BUNDLE);

    // Assess
    expect(pom).toMatch(/<groupId>com\.amazonaws<\/groupId><artifactId>DynamoDBLocal<\/artifactId><version>2\.\d+\.\d+<\/version>/);
    expect(DYNAMODB_LOCAL_BUNDLE.natives).toBe(true);
    expect(KAFKA_BUNDLE.natives).toBe(false);
  });
});

describe('DynamoDB Local arguments', () => {
  it('share one database, send no telemetry and keep the database file in the data directory', () => {
    // Act
    const args = dynamoDbLocalArgs({ port: 8001, dataDir: '/d/dynamodb' });

    // Assess
    expect(args).toEqual(['-port', '8001', '-sharedDb', '-disableTelemetry', '-dbPath', '/d/dynamodb']);
  });

  it('keep nothing on disk in memory mode', () => {
    // Act
    const args = dynamoDbLocalArgs({ port: 8001, dataDir: '/d/dynamodb', inMemory: true });

    // Assess
    expect(args).toContain('-inMemory');
    expect(args).not.toContain('-dbPath');
  });
});

describe('the data directory layout', () => {
  it('puts data, logs and run files under the data directory', () => {
    // Act
    const paths = servicePaths('/p/.fluxo');

    // Assess
    expect(paths).toEqual({
      root: '/p/.fluxo',
      kafkaData: '/p/.fluxo/data/kafka',
      dynamodbData: '/p/.fluxo/data/dynamodb',
      logs: '/p/.fluxo/logs',
      run: '/p/.fluxo/run',
    });
  });
});

describe("Kafka's command-line tools", () => {
  it('run a tool class on the cached classpath, logging warnings to stderr', () => {
    // Prepare
    const bundle = mkdtempSync(join(tmpdir(), 'fluxo-tools-'));
    const libDir = join(bundle, 'lib');

    // Act
    const tool = kafkaToolCommand('/usr/bin/java', libDir, 'kafka.admin.TopicCommand', ['--list']);

    // Assess
    const log4j = readFileSync(join(bundle, 'tools-log4j.properties'), 'utf8');
    rmSync(bundle, { recursive: true, force: true });
    expect(tool.command).toBe('/usr/bin/java');
    expect(tool.args).toEqual(
      expect.arrayContaining([`-Dlog4j.configuration=file:${join(bundle, 'tools-log4j.properties')}`, '-cp', join(libDir, '*')]),
    );
    expect(tool.args.slice(-2)).toEqual(['kafka.admin.TopicCommand', '--list']);
    expect(log4j).toBe(TOOLS_LOG4J);
    expect(log4j).toContain('log4j.appender.stderr.Target=System.err');
  });
});
