/**
 * `fluxo kafka <tool> [args]`: Kafka's own command-line tools, run from the broker jars the local
 * stack already caches (Apache Kafka 3.9, as MSK runs), against the local broker. The course's
 * commands work as typed in the course, minus the path: `fluxo kafka kafka-topics.sh --list
 * --bootstrap-server localhost:9092`. Without `--bootstrap-server` the local broker is added;
 * a `--zookeeper` option (the course's older form) is replaced by it, since a KRaft broker has
 * no ZooKeeper and Kafka 3.9's tools take `--bootstrap-server` only.
 */
import { namedError } from '../../../core/errors';

/** The tools, by the name of their `bin/` script, and the class each script runs (Kafka 3.9's `bin/*.sh`). */
export const KAFKA_TOOLS: Readonly<Record<string, string>> = {
  'kafka-topics': 'org.apache.kafka.tools.TopicCommand',
  'kafka-console-producer': 'kafka.tools.ConsoleProducer',
  'kafka-console-consumer': 'org.apache.kafka.tools.consumer.ConsoleConsumer',
  'kafka-consumer-groups': 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand',
  'kafka-configs': 'kafka.admin.ConfigCommand',
  'kafka-get-offsets': 'org.apache.kafka.tools.GetOffsetShell',
};

/** A tool name that is not one of {@link KAFKA_TOOLS}. */
export class UnknownKafkaToolError extends namedError('UnknownKafkaToolError') {
  public constructor(tool: string) {
    super(`unknown Kafka tool "${tool}"; fluxo kafka runs ${Object.keys(KAFKA_TOOLS).join(', ')}`);
  }
}

/** How a course command line becomes a tool's command line. */
export interface KafkaToolInvocation {
  /** The tool's name, without `.sh`. */
  readonly tool: string;
  /** The Java class to run. */
  readonly mainClass: string;
  /** The arguments, with the local broker added where none was given. */
  readonly args: readonly string[];
  /** Notes for standard error (what was added or replaced). */
  readonly notes: readonly string[];
}

const BOOTSTRAP_OPTIONS = ['--bootstrap-server', '--broker-list'];

/** The value of `--name value` or `--name=value` in `args`, if present. */
function optionValue(args: readonly string[], names: readonly string[]): string | undefined {
  for (const [i, arg] of args.entries()) {
    const name = names.find((n) => arg === n || arg.startsWith(`${n}=`));
    if (name !== undefined) return arg === name ? args[i + 1] : arg.slice(name.length + 1);
  }
  return undefined;
}

/** `args` without `--name value` / `--name=value`. */
function withoutOption(args: readonly string[], name: string): string[] {
  return args.filter((arg, i) => arg !== name && args[i - 1] !== name && !arg.startsWith(`${name}=`));
}

/** Whether `address` (host:port) names the broker at `brokers`, allowing `localhost` for 127.0.0.1. */
function sameBroker(address: string, brokers: string): boolean {
  const normalise = (a: string): string =>
    a
      .trim()
      .replace(/^localhost:/, '127.0.0.1:')
      .replace(/^\[::1\]:/, '127.0.0.1:');
  const known = new Set(brokers.split(',').map(normalise));
  return address.split(',').some((a) => known.has(normalise(a)));
}

/**
 * Turns `fluxo kafka <tool> [args]` into the tool's class and arguments for the broker at
 * `brokers`. The tool may be named with or without `.sh`. Throws {@link UnknownKafkaToolError}.
 */
export function kafkaToolInvocation(tool: string, args: readonly string[], brokers: string): KafkaToolInvocation {
  const name = tool.replace(/\.sh$/, '');
  const mainClass = KAFKA_TOOLS[name];
  if (mainClass === undefined) throw new UnknownKafkaToolError(tool);
  const notes: string[] = [];
  let out = [...args];
  const zookeeper = optionValue(out, ['--zookeeper']);
  if (zookeeper !== undefined) {
    out = withoutOption(out, '--zookeeper');
    notes.push(
      `--zookeeper ${zookeeper} replaced by --bootstrap-server ${brokers}: the local broker runs in KRaft mode, without ZooKeeper`,
    );
  }
  const given = optionValue(out, BOOTSTRAP_OPTIONS);
  const help = out.includes('--help') || out.includes('--version');
  if (given === undefined && !help) {
    out.push('--bootstrap-server', brokers);
  } else if (given !== undefined && !sameBroker(given, brokers)) {
    notes.push(`the local broker listens on ${brokers}, not ${given}`);
  }
  return { tool: name, mainClass, args: out, notes };
}
