import assert from 'node:assert/strict';
import { BlockList, isIP } from 'node:net';
import { test } from 'node:test';
import { parseCidr, parseIp } from '../../../src/domain/patterns/cidr.ts';
import { compilePattern } from '../../../src/domain/patterns/index.ts';

void test('address parsing agrees with node:net on valid and invalid text', () => {
  const texts = [
    '0.0.0.0',
    '255.255.255.255',
    '10.0.0.1',
    '1.2.3',
    '1.2.3.4.5',
    '256.0.0.1',
    '1.2.3.-4',
    '1..2.3',
    ' 1.2.3.4',
    '1.2.3.4 ',
    'a.b.c.d',
    '',
    '::',
    '::1',
    '1::',
    'fe80::1',
    '2001:db8::',
    '2001:0db8:0000:0000:0000:0000:0000:0001',
    '1:2:3:4:5:6:7:8',
    '1:2:3:4:5:6:7::',
    '::2:3:4:5:6:7:8',
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
    ':1',
    '1:',
    ':::',
    '1:::2',
    '12345::',
    'g::1',
    '::ffff:10.0.0.1',
    '::10.0.0.1',
    '1:2:3:4:5:6:1.2.3.4',
    '1:2:3:4:5:6:7:1.2.3.4',
    '::1.2.3',
    '::256.0.0.1',
    '1.2.3.4::',
    'FE80::ABCD',
    '0:0:0:0:0:0:0:0',
    '::0:0',
    '::ffff:1.2.3.4:5',
  ];
  for (const text of texts) assert.equal(parseIp(text)?.family ?? 0, isIP(text), JSON.stringify(text));
});

void test('differences from node:net are deliberate: no zone ids, no leading zeros', () => {
  assert.equal(parseIp('fe80::1%eth0'), undefined);
  assert.equal(parseIp('010.0.0.1'), undefined);
  assert.equal(parseIp('10.0.0.01'), undefined);
});

void test('a block covers exactly the addresses node:net BlockList says it covers', () => {
  let state = 12345;
  const next = (below: number): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return Math.floor((state / 0x1_0000_0000) * below);
  };
  const v4 = (): string => Array.from({ length: 4 }, () => String(next(4) === 0 ? 10 : next(256))).join('.');
  const v6 = (): string => {
    const groups = Array.from({ length: 8 }, () => (next(3) === 0 ? '0' : next(0x10000).toString(16)));
    const text = groups.join(':');
    // Sometimes compress the first run of zero groups, to exercise `::`.
    return next(2) === 0 ? text.replace(/(^|:)0(:0)+(:|$)/, '::') : text;
  };
  let inside = 0;
  for (let i = 0; i < 400; i++) {
    const family = next(2) === 0 ? 'ipv4' : 'ipv6';
    const network = family === 'ipv4' ? v4() : v6();
    const prefix = next(family === 'ipv4' ? 33 : 129);
    const blocks = new BlockList();
    blocks.addSubnet(network, prefix, family);
    const compiled = compilePattern({ ip: [{ cidr: `${network}/${prefix}` }] });
    for (let j = 0; j < 25; j++) {
      // Half the candidates share the network's leading text, so many fall inside.
      const address = family === 'ipv4' ? (next(2) === 0 ? `${network.split('.').slice(0, 3).join('.')}.${next(256)}` : v4()) : v6();
      const expected = blocks.check(address, family);
      assert.equal(compiled({ ip: address }), expected, `${address} in ${network}/${prefix}`);
      if (expected) inside++;
    }
  }
  assert.ok(inside > 1000, `only ${inside} addresses inside their block`);
});

void test('a block is the range from its first to its last address', () => {
  assert.deepEqual(parseCidr('10.1.2.3/8'), { ok: true, range: { family: 4, first: 0x0a000000, last: 0x0affffff } });
  assert.deepEqual(parseCidr('255.255.255.255/32'), { ok: true, range: { family: 4, first: 0xffffffff, last: 0xffffffff } });
  assert.deepEqual(parseCidr('0.0.0.0/0'), { ok: true, range: { family: 4, first: 0, last: 0xffffffff } });
  assert.deepEqual(parseCidr('::1/127'), { ok: true, range: { family: 6, first: 0n, last: 1n } });
  assert.deepEqual(parseCidr('2001:db8::/32'), {
    ok: true,
    range: { family: 6, first: 0x20010db8_00000000_00000000_00000000n, last: 0x20010db8_ffffffff_ffffffff_ffffffffn },
  });
});
