// The environment the stack gives the handlers, set before they load (imports are hoisted).
process.env.QUOTES_TABLE_NAME = 'quotes';
process.env.CONNECTIONS_TABLE_NAME = 'connections';
process.env.CONNECTIONS_URL = 'https://abc.execute-api.us-east-1.amazonaws.com/v1';
process.env.ALLOWED_CLIENTS = 'quotes-demo, partner';
// Dev mode makes Powertools Logger write through the global console, which the tests capture (and keep quiet).
process.env.POWERTOOLS_DEV = 'true';
process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
