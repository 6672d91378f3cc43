import { startLogs } from '../logs-server';
import type { LocalService, ServiceHost, ServiceModule } from './service';

/** The CloudWatch Logs service of the local runtime, as other services see it. */
export interface LogsService extends LocalService {
  /** Appends a line to a log group (created on first use). */
  put(logGroupName: string, logStreamName: string, message: string): void;
}

/**
 * A CloudWatch Logs endpoint serving what the functions log (FilterLogEvents, DescribeLogGroups), so
 * that a scenario reads logs the same way on both targets. Log group resources are not created: a
 * group exists once something is logged to it.
 */
export const logsService: ServiceModule = {
  name: 'logs',
  async start(_host: ServiceHost): Promise<LogsService> {
    const store = await startLogs();
    return {
      name: 'logs',
      resourceTypes: [],
      endpoint: store.endpoint,
      endpointVariable: 'CLOUDWATCH_LOGS',
      put: (group, stream, message) => store.put(group, stream, message),
      stop: () => store.stop(),
    };
  },
};
