// Fault tests start and kill real services and wait on deadlines of their own; jest's per-test
// limit only guards against a hung test.
jest.setTimeout(240_000);
