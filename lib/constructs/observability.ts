import { Duration } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CONSUMER_SERVICE, METRICS_NAMESPACE, type ConsumerMetric } from '../../core/metrics';
import type { Consumer } from './consumer';

/** Properties of {@link Observability}. */
export interface ObservabilityProps {
  /** The ingest API. */
  readonly api: apigw.RestApi;
  /** The producer Lambda. */
  readonly producer: lambda.IFunction;
  /** The consumers, by spec consumer name: their Lambdas and event source mappings. */
  readonly consumers: ReadonlyMap<string, Consumer>;
  /** The mappings' on-failure destination. */
  readonly deadLetterQueue: sqs.IQueue;
  /** The tables to watch for throttling. */
  readonly tables: readonly dynamodb.ITable[];
}

const FIVE_MINUTES = Duration.minutes(5);
/** OffsetLag (records behind) above which a consumer alarms. */
const OFFSET_LAG_THRESHOLD = 1000;

/** A count the consumer Lambda emits (Powertools EMF, dimensions service and consumer), summed per 5 minutes. */
function consumerMetric(consumer: string, metricName: ConsumerMetric, label = consumer): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: CONSUMER_SERVICE, consumer },
    statistic: 'Sum',
    period: FIVE_MINUTES,
    label,
  });
}

/** The UUIDs of a consumer's event source mappings (`AWS::Lambda::EventSourceMapping` `Id`), one per topic. */
function mappingIds(consumer: Consumer): string[] {
  return [...consumer.mappings.values()].map((m) => m.attrId);
}

/** An event source mapping count: its metrics are turned on with `MetricsConfig` `EventCount` (consumer.ts). */
export type MappingMetric = 'PolledEventCount' | 'FilteredOutEventCount';

/**
 * What a consumer's mappings counted, summed over its mappings per 5 minutes: `AWS/Lambda`
 * metrics with the dimension `EventSourceMappingUUID` (AWS Lambda Developer Guide, "Types of
 * metrics for Lambda functions", event source mapping metrics, and "Viewing metrics for Lambda
 * functions", https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html).
 */
export function mappingMetric(
  consumer: string,
  mappingIds: readonly string[],
  metricName: MappingMetric,
  label = consumer,
): cloudwatch.IMetric {
  const metrics = mappingIds.map(
    (id) =>
      new cloudwatch.Metric({
        namespace: 'AWS/Lambda',
        metricName,
        dimensionsMap: { EventSourceMappingUUID: id },
        statistic: 'Sum',
        period: FIVE_MINUTES,
        label,
      }),
  );
  if (metrics.length === 1) return metrics[0] as cloudwatch.Metric;
  // Ids are unique per graph: one per consumer, metric and mapping.
  const id = (i: number): string =>
    `${metricName === 'PolledEventCount' ? 'p' : 'f'}_${consumer.replace(/[^a-zA-Z0-9]/g, '_')}_${i}`.toLowerCase();
  return new cloudwatch.MathExpression({
    expression: metrics.map((_m, i) => id(i)).join(' + '),
    usingMetrics: Object.fromEntries(metrics.map((m, i) => [id(i), m])),
    period: FIVE_MINUTES,
    label,
  });
}

/**
 * A CloudWatch dashboard of the pipeline (ingest rate and errors, each consumer's OffsetLag,
 * dead-letter queue depth, DynamoDB throttles, each consumer's own counts: records aggregated,
 * late, dead-lettered, and what its event source mappings polled and filtered out) and alarms on consumer lag and on any batch in
 * the dead-letter queue. The local dashboard of `npm start` shows the same things.
 */
export class Observability extends Construct {
  /** The dashboard. */
  public readonly dashboard: cloudwatch.Dashboard;
  /** The alarms: one OffsetLag alarm per consumer, then the dead-letter alarm. */
  public readonly alarms: readonly cloudwatch.Alarm[];

  public constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const lag = [...props.consumers].map(([name, consumer]) => ({
      name,
      metric: consumer.function.metric('OffsetLag', { statistic: 'Maximum', period: FIVE_MINUTES }),
    }));
    const dlqDepth = props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' });

    const lagAlarms = lag.map(
      ({ name, metric }) =>
        new cloudwatch.Alarm(this, `OffsetLag-${name}`, {
          alarmDescription: `Consumer ${name} is more than ${OFFSET_LAG_THRESHOLD} records behind for 15 minutes`,
          metric,
          threshold: OFFSET_LAG_THRESHOLD,
          evaluationPeriods: 3,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
    );
    const dlqAlarm = new cloudwatch.Alarm(this, 'DeadLetters', {
      alarmDescription: 'A batch exhausted its retries: see the dead-letter queue',
      metric: dlqDepth,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.alarms = [...lagAlarms, dlqAlarm];

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Ingest: requests and errors',
        left: [props.api.metricCount({ period: FIVE_MINUTES, statistic: 'Sum' })],
        right: [
          props.api.metricClientError({ period: FIVE_MINUTES, statistic: 'Sum' }),
          props.api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }),
          props.producer.metricErrors({ period: FIVE_MINUTES }),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'Consumers: OffsetLag (records behind)',
        left: lag.map((l) => l.metric.with({ label: l.name })),
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.AlarmWidget({ title: 'Dead-letter queue depth', alarm: dlqAlarm }),
      new cloudwatch.GraphWidget({
        title: 'DynamoDB throttle events',
        left: props.tables.flatMap((t) =>
          ['ReadThrottleEvents', 'WriteThrottleEvents'].map((name) => t.metric(name, { period: FIVE_MINUTES, statistic: 'Sum' })),
        ),
      }),
    );
    // What each consumer did with its records: the windows it aggregated into, and the dead letters.
    const names = [...props.consumers.keys()];
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Consumers: records aggregated (per 5 min)',
        left: names.map((name) => consumerMetric(name, 'Aggregated')),
        right: names.map((name) => consumerMetric(name, 'Late', `${name} late`)),
      }),
      new cloudwatch.GraphWidget({
        title: 'Consumers: dead-lettered records (GET /dlq)',
        left: names.map((name) => consumerMetric(name, 'DeadLettered')),
        right: names.map((name) => consumerMetric(name, 'MalformedEvents', `${name} malformed events`)),
      }),
      // On AWS the mapping's FilterCriteria drops records before the Lambda runs, so the consumer's
      // own FilteredOut stays near 0: chart what the mappings polled and filtered out instead
      // (the local dashboard shows the emulators' same count).
      new cloudwatch.GraphWidget({
        title: 'Consumers: records polled and filtered out by their mappings',
        left: [...props.consumers].map(([name, c]) => mappingMetric(name, mappingIds(c), 'PolledEventCount')),
        right: [...props.consumers].map(([name, c]) => mappingMetric(name, mappingIds(c), 'FilteredOutEventCount', `${name} filtered out`)),
      }),
    );
  }
}
