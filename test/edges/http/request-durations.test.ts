/**
 * The HTTP request histogram is counted by Sluice itself and handed to prom-client's
 * registry when scraped. Scrapers must see exactly what prom-client's own Histogram showed
 * for the same observations.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Histogram, Registry } from 'prom-client';
import { RequestDurations } from '../../../src/edges/http/request-durations.ts';

const name = 'sluice_http_request_duration_seconds';
const help = 'HTTP requests by route and status.';
const buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5];

void test('the exposition is the one prom-client’s Histogram gives for the same observations, as text and as JSON', async () => {
  const ours = new Registry();
  const durations = new RequestDurations(name, help, buckets);
  durations.register(ours);
  const theirs = new Registry();
  const histogram = new Histogram({ name, help, labelNames: ['method', 'route', 'status'], buckets, registers: [theirs] });
  const observations: [string, string, number, number][] = [
    ['GET', '/registry/schemas/ids/:id', 200, 0.0003],
    ['GET', '/registry/schemas/ids/:id', 200, 0.0005],
    ['GET', '/registry/schemas/ids/:id', 404, 0.0012],
    ['POST', '/v1/events', 207, 0.02],
    ['POST', '/v1/events', 200, 7],
    ['GET', 'unmatched', 404, 0.0001],
    ['GET', '/registry/schemas/ids/:id', 200, 0.049],
  ];
  for (const [method, route, status, seconds] of observations) {
    durations.observe(method, route, status, seconds);
    histogram.observe({ method, route, status: String(status) }, seconds);
  }
  assert.equal(await ours.metrics(), await theirs.metrics());
  // prom-client's JSON also carries its exemplars, which Sluice does not use.
  const withoutExemplars = (metrics: Awaited<ReturnType<Registry['getMetricsAsJSON']>>): unknown =>
    metrics.map((metric) => ({
      ...metric,
      values: metric.values.map((value) => Object.fromEntries(Object.entries(value).filter(([field]) => field !== 'exemplar'))),
    }));
  assert.deepEqual(withoutExemplars(await ours.getMetricsAsJSON()), withoutExemplars(await theirs.getMetricsAsJSON()));

  ours.resetMetrics();
  theirs.resetMetrics();
  assert.equal(await ours.metrics(), await theirs.metrics(), 'after a reset, both show no series');
});

void test('an empty histogram and one beside other metrics scrape as prom-client’s would', async () => {
  const ours = new Registry();
  new RequestDurations(name, help, buckets).register(ours);
  const theirs = new Registry();
  new Histogram({ name, help, labelNames: ['method', 'route', 'status'], buckets, registers: [theirs] });
  assert.equal(await ours.metrics(), await theirs.metrics());
});
