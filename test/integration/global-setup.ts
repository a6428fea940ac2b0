// jest global setup of the integration project: the local services, started once for the run.
// Extend by starting further parts (gateway, emulators) after the services, from their own modules.
import { startTestServices, stopTestServices } from '../support/services';
import { startTestStack } from './stack-setup';

export default async function globalSetup(): Promise<void> {
  await startTestServices();
  try {
    // The gateway, the functions and the emulators, on those services.
    await startTestStack();
  } catch (error) {
    await stopTestServices();
    throw error;
  }
}
