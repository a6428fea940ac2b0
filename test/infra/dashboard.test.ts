import { Match, type Template } from 'aws-cdk-lib/assertions';
import { CONSUMER_SERVICE, METRICS_NAMESPACE } from '../../core/metrics';
import { pipeline } from '../../pipeline';
import { propertiesOf, synthesize, text } from './synth';

type Widget = { properties: { title: string; metrics?: unknown[][] } };

/** The dashboard's widgets, parsed from its body with every token as `<token>`. */
function widgets(template: Template): Widget[] {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  const body = text((dashboard as { Properties: { DashboardBody: unknown } }).Properties.DashboardBody).replace(
    /"<token>"|<token>/g,
    '"<token>"',
  );
  return (JSON.parse(body) as { widgets: Widget[] }).widgets;
}

describe('the CloudWatch dashboard', () => {
  const { template } = synthesize('provisioned');
  const all = widgets(template);
  const byTitle = (title: string) => all.find((w) => w.properties.title === title)?.properties;
  const series = (title: string): string[] =>
    (byTitle(title)?.metrics ?? []).map((m) => m.filter((part) => typeof part === 'string').join(' '));

  it('shows ingest requests and errors, consumer OffsetLag, the dead-letter queue depth and DynamoDB throttles', () => {
    // Act
    const titles = all.map((w) => w.properties.title);

    // Assess
    expect(titles).toEqual(
      expect.arrayContaining([
        'Ingest: requests and errors',
        'Consumers: OffsetLag (records behind)',
        'Dead-letter queue depth',
        'DynamoDB throttle events',
      ]),
    );
    expect(series('Ingest: requests and errors').join('\n')).toMatch(
      /AWS\/ApiGateway Count[\s\S]*4XXError[\s\S]*5XXError[\s\S]*AWS\/Lambda Errors/,
    );
    expect(series('Consumers: OffsetLag (records behind)')).toHaveLength(pipeline.consumers.length);
    expect(series('DynamoDB throttle events').join('\n')).toMatch(/ReadThrottleEvents[\s\S]*WriteThrottleEvents/);
  });

  it("graphs each consumer's own counts with the namespace and dimensions the consumer Lambda emits", () => {
    // Act
    const aggregated = series('Consumers: records aggregated (per 5 min)');
    const deadLettered = series('Consumers: dead-lettered records (GET /dlq)');

    // Assess
    for (const consumer of pipeline.consumers) {
      expect(aggregated).toContain(`${METRICS_NAMESPACE} Aggregated consumer ${consumer.name} service ${CONSUMER_SERVICE}`);
      expect(aggregated).toContain(`${METRICS_NAMESPACE} Late consumer ${consumer.name} service ${CONSUMER_SERVICE}`);
      expect(deadLettered).toContain(`${METRICS_NAMESPACE} DeadLettered consumer ${consumer.name} service ${CONSUMER_SERVICE}`);
    }
  });

  it("turns on every mapping's own counts and charts what each consumer's mappings polled and filtered out", () => {
    // Prepare
    const mappings = propertiesOf<{ MetricsConfig?: { Metrics: string[] } }>(template, 'AWS::Lambda::EventSourceMapping');

    // Act
    const counted = series('Consumers: records polled and filtered out by their mappings');
    const filtered = counted.filter((s) => s.startsWith('AWS/Lambda FilteredOutEventCount EventSourceMappingUUID'));
    const polled = counted.filter((s) => s.startsWith('AWS/Lambda PolledEventCount EventSourceMappingUUID'));

    // Assess: one series per mapping, summed per consumer
    expect(mappings.length).toBeGreaterThan(pipeline.consumers.length);
    expect(mappings.every((m) => m.MetricsConfig?.Metrics.includes('EventCount'))).toBe(true);
    expect(filtered).toHaveLength(mappings.length);
    expect(polled).toHaveLength(mappings.length);
  });

  it('alarms on every consumer falling behind and on any batch in the dead-letter queue', () => {
    // Act
    const lagAlarms = template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'OffsetLag' } });

    // Assess
    expect(Object.keys(lagAlarms)).toHaveLength(pipeline.consumers.length);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardBody: Match.anyValue() });
  });
});
