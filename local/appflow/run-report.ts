// AppFlow's "AppFlow End Flow Run Report" event for a run, and its delivery to the default event
// bus through the service that owns the bus (the local EventBridge service).
import type { ServiceHost } from '../services/service';
import type { ExecutionRecord, LocalFlow } from './flow';

/** The default event bus AppFlow publishes its run reports to. */
export function defaultBusArn(region: string, account: string): string {
  return `arn:aws:events:${region}:${account}:event-bus/default`;
}

function utc(date: Date): string {
  return `${date.toISOString()}[UTC]`;
}

/**
 * AppFlow's end-of-run event for a run (User Guide, "Flow notifications": detail-type "AppFlow End
 * Flow Run Report", source aws.appflow; the detail fields and their string values as AppFlow sends them).
 */
export function endOfRunReport(flow: LocalFlow, run: ExecutionRecord, trigger: string, account: string) {
  return {
    source: 'aws.appflow',
    'detail-type': 'AppFlow End Flow Run Report',
    resources: [] as string[],
    detail: {
      'flow-name': flow.name,
      'created-by': `arn:aws:iam::${account}:root`,
      'flow-arn': flow.arn,
      source: 'S3',
      destination: 'S3',
      'source-object': `s3://${flow.source?.bucket}/${flow.source?.prefix}`,
      'destination-object': `s3://${flow.destination?.BucketName}/${flow.destination?.BucketPrefix ?? ''}`,
      'trigger-type': trigger,
      'num-of-records-processed': String(run.executionResult.recordsProcessed),
      'execution-id': run.executionId,
      'num-of-records-filtered': String(run.local.filtered),
      'start-time': utc(new Date(run.startedAt * 1000)),
      'num-of-documents-processed': '0',
      'end-time': utc(new Date(run.lastUpdatedAt * 1000)),
      'num-of-record-failures': String(run.local.dropped),
      'data-processed': String(run.executionResult.bytesProcessed),
      status: run.executionStatus === 'Successful' ? 'Execution Successful' : 'Execution Failed',
    },
  };
}

/**
 * Sends the end-of-run event to the default event bus through whichever service owns it (the
 * EventBridge service). A delivery that fails (no EventBridge service yet, a bus that refuses it) is
 * reported through `host.onError`, never thrown into the run.
 */
export async function deliverEndOfRunReport(
  host: Pick<ServiceHost, 'deliver' | 'onError' | 'region' | 'accountId'>,
  flow: LocalFlow,
  run: ExecutionRecord,
  trigger: string,
): Promise<void> {
  try {
    await host.deliver(defaultBusArn(host.region, host.accountId), {
      body: JSON.stringify(endOfRunReport(flow, run, trigger, host.accountId)),
    });
  } catch (error) {
    host.onError(new Error(`AppFlow flow ${flow.name}: the end-of-run event was not delivered: ${(error as Error).message}`));
  }
}
