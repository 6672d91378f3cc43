import { apigatewayService } from './apigateway';
import { appflowService } from './appflow';
import { batchService } from './batch';
import { dynamodbService } from './dynamodb';
import { eventsService } from './events';
import { lambdaService } from './lambda';
import { logsService } from './logs';
import { mqService } from './mq';
import { s3Service } from './s3';
import { secretsManagerService } from './secretsmanager';
import type { ServiceModule } from './service';
import { snsService } from './sns';
import { sqsService } from './sqs';
import { stepFunctionsService } from './stepfunctions';

/**
 * The services of the local runtime, one module each. They start in this order and drain and stop
 * in reverse: a service that invokes functions or delivers to queues comes after Lambda and SQS, so
 * that it stops making work before they stop doing it. A new service is a new module and one line.
 */
export const SERVICES: readonly ServiceModule[] = [
  logsService,
  dynamodbService,
  lambdaService,
  sqsService,
  snsService,
  s3Service,
  stepFunctionsService,
  eventsService,
  apigatewayService,
  appflowService,
  secretsManagerService,
  mqService,
  batchService,
];
