import { serveFloor } from './floor-http.ts';

/**
 * The floor: the least any HTTP ingest endpoint in Node must do. A bare node:http server
 * that reads the body, parses it as JSON and answers 202 with the event count; no
 * validation, no storage. Run as its own process; prints `{"url":...}` on stdout.
 */
serveFloor();
