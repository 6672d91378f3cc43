// The flows of a template as the local AppFlow holds them, and the record of each run of a flow
// (what DescribeFlowExecutionRecords reports, and the local runtime's own counts of the run).
import type { S3DestinationSettings } from './output';
import type { FlowTask } from './tasks';

/** One run of a flow, as DescribeFlowExecutionRecords reports it. */
export interface ExecutionRecord {
  executionId: string;
  executionStatus: 'InProgress' | 'Successful' | 'Error';
  executionResult: {
    recordsProcessed: number;
    bytesProcessed: number;
    bytesWritten: number;
    errorInfo?: { executionMessage: string; putFailuresCount: number };
  };
  startedAt: number;
  lastUpdatedAt: number;
  /** Local detail: records filtered and dropped by validations, and the objects written. */
  readonly local: { filtered: number; dropped: number; written: string[] };
}

/** A flow of the template. */
export interface LocalFlow {
  readonly stackName: string;
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly triggerType: 'OnDemand' | 'Scheduled' | 'Event';
  /** Active, or Draft for a scheduled or event flow deployed without `FlowStatus: Active` (it never runs). */
  status: 'Active' | 'Draft' | 'Suspended';
  readonly scheduleExpression?: string;
  /** Why the flow does not run locally (a SaaS connector, Parquet output), when it does not. */
  readonly notRun?: string;
  readonly source?: { readonly bucket: string; readonly prefix: string; readonly format: 'CSV' | 'JSON' };
  readonly destination?: S3DestinationSettings;
  readonly tasks: readonly FlowTask[];
  readonly executions: ExecutionRecord[];
}
