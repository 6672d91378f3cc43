export * from './fanout-topic';
export * from './sns-fanout-stack';
