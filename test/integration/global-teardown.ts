// jest global teardown of the integration project: stops what global-setup.ts started.
import { stopTestServices } from '../../local/services/test-services';

export default async function globalTeardown(): Promise<void> {
  await stopTestServices();
}
