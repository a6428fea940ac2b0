/** Environment of the consumer handler in the replay test; imported before the handler so its module scope sees it. */
process.env.CONSUMER_NAME = 'ohlc-1m';
process.env.RESULTS_TABLE = 'results';
process.env.AWS_REGION = 'sa-east-1';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
