// jest global setup of the integration project: the local services, started once for the run.
// Extend by starting further parts (gateway, emulators) after the services, from their own modules.
import { startTestServices } from '../../local/services/test-services';

export default async function globalSetup(): Promise<void> {
  await startTestServices();
}
