#!/usr/bin/env node
import { buildApp } from '../lib/app';

try {
  buildApp().synth();
} catch (error) {
  // Context and prop errors are one line; print that line, not a stack trace.
  if (error instanceof Error && (error.name === 'ContextError' || error.name === 'PropError')) {
    console.error(`Error: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
