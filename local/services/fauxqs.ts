import { type Fauxqs, startFauxqs } from '../emulator';
import type { ServiceHost } from './service';

/** The one fauxqs process that serves SQS, SNS and S3, started by whichever of them starts first. */
export function sharedFauxqs(host: ServiceHost): Promise<Fauxqs> {
  return host.shared(
    'fauxqs',
    () => startFauxqs({ region: host.region }),
    (fauxqs) => fauxqs.stop(),
  );
}
