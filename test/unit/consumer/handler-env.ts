/** Environment of the consumer handler under test; imported before the handler so its module scope sees it. */
process.env.CONSUMER_NAME = 'peso-acima-80';
process.env.RESULTS_TABLE = 'results';
process.env.AWS_REGION = 'sa-east-1';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'false';

export const HANDLER_ENV = { consumer: 'peso-acima-80', table: 'results' } as const;
