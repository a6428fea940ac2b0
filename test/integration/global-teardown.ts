// jest global teardown of the integration project: stops what global-setup.ts started.
import { stopTestServices } from '../support/services';
import { stopTestStack } from './stack-setup';

export default async function globalTeardown(): Promise<void> {
  try {
    // The stack first: its emulators leave their consumer groups while Kafka still runs.
    await stopTestStack();
  } finally {
    await stopTestServices();
  }
}
