import assert from 'node:assert/strict';
import { test } from 'node:test';
import { refusedAddress } from '../../../src/adapters/http/address-guard.ts';

void test('loopback, unspecified, private, shared, link-local, multicast and special-purpose IPv4 addresses are refused', () => {
  const refused = [
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback, the far end'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', '"this network"'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.255', 'carrier-grade NAT'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['192.0.0.8', 'IETF protocol assignments'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'broadcast'],
  ];
  for (const [address, kind] of refused) assert.notEqual(refusedAddress(address!), undefined, `${address} (${kind})`);
});

void test('public IPv4 addresses next to the refused ranges are allowed', () => {
  for (const address of [
    '93.184.216.34',
    '8.8.8.8',
    '1.0.0.1',
    '9.255.255.255',
    '11.0.0.0',
    '126.255.255.255',
    '128.0.0.1',
    '172.15.255.255',
    '172.32.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '169.253.255.255',
    '192.167.255.255',
    '192.169.0.0',
    '198.17.255.255',
    '198.20.0.0',
    '223.255.255.255',
  ]) {
    assert.equal(refusedAddress(address), undefined, address);
  }
});

void test('IPv6: loopback, unspecified, link-local, unique-local, multicast and NAT64 are refused; global unicast is allowed', () => {
  for (const address of ['::1', '::', 'fe80::1', 'febf:ffff::1', 'fc00::1', 'fd12:3456::1', 'ff02::1', 'ff0e::1', '64:ff9b::7f00:1', '::7f00:1']) {
    assert.notEqual(refusedAddress(address), undefined, address);
  }
  for (const address of ['2606:4700::1111', '2001:4860:4860::8888', '2a00:1450:4001::1']) assert.equal(refusedAddress(address), undefined, address);
});

void test('an IPv4-mapped IPv6 address is judged by the IPv4 address inside, dotted or in hex', () => {
  for (const address of ['::ffff:127.0.0.1', '::FFFF:10.0.0.1', '::ffff:7f00:1', '::ffff:a9fe:a9fe', '::ffff:c0a8:101']) {
    assert.notEqual(refusedAddress(address), undefined, address);
  }
  assert.match(refusedAddress('::ffff:7f00:1') ?? '', /127\.0\.0\.1/, 'the reason names the IPv4 address');
  assert.equal(refusedAddress('::ffff:8.8.8.8'), undefined);
  assert.equal(refusedAddress('::ffff:808:808'), undefined);
});

void test('something that is not an IP address is refused, not waved through', () => {
  assert.match(refusedAddress('localhost') ?? '', /not an IP address/);
  assert.notEqual(refusedAddress(''), undefined);
});
