// Integration tests start real Kafka and DynamoDB Local work; they wait on deadlines of their own,
// so jest's per-test limit only guards against a hung test.
jest.setTimeout(180_000);
