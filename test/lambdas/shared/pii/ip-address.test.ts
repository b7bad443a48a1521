import { isIpv4, isIpv6 } from '../../../../lambdas/shared/pii/ip-address';
import { redact } from '../../../../lambdas/shared/pii';

const addresses = (text: string) => redact(text, { kinds: ['ip-address'] }).findings.map((f) => text.slice(f.start, f.end));

test('IPv4 octets must be 0 to 255 without leading zeros', () => {
  expect(isIpv4('0.0.0.0')).toBe(true);
  expect(isIpv4('255.255.255.255')).toBe(true);
  expect(isIpv4('256.1.1.1')).toBe(false);
  expect(isIpv4('1.2.3.04')).toBe(false);
  expect(isIpv4('1.2.3')).toBe(false);
});

test.each([
  ['full', '2001:0db8:0000:0000:0000:ff00:0042:8329'],
  ['compressed in the middle', '2001:db8::ff00:42:8329'],
  ['compressed at the end', 'fe80::'],
  ['compressed at the start', '::ffff:1'],
  ['loopback', '::1'],
  ['embedded IPv4', '::ffff:192.0.2.128'],
  ['full with embedded IPv4', '64:ff9b:0:0:0:0:192.0.2.33'],
  ['upper case', '2001:DB8::A'],
])('the IPv6 form %s (%s) is an address', (_form, address) => {
  expect(isIpv6(address)).toBe(true);
  expect(addresses(`host ${address} is up`)).toEqual([address]);
});

test.each([
  ['two compressions', '2001::db8::1'],
  ['nine groups', '1:2:3:4:5:6:7:8:9'],
  ['seven groups without compression', '1:2:3:4:5:6:7'],
  ['a five-digit group', '2001:db8::12345'],
  ['three colons', '2001:::1'],
  ['no digit', 'cafe::beef'],
  ['bad IPv4 tail', '::ffff:192.0.2.256'],
  ['IPv4 tail not last', '::192.0.2.1:1'],
])('%s (%s) is not an IPv6 address', (_form, value) => {
  expect(isIpv6(value)).toBe(false);
});

test('addresses are found in logs, URLs and brackets, with ports and prefixes left out', () => {
  expect(addresses('from 203.0.113.7 port 22; http://10.0.0.1:8080/x; [2001:db8::1]:443; 172.16.0.0/12; fe80::1%eth0')).toEqual([
    '203.0.113.7',
    '10.0.0.1',
    '2001:db8::1',
    '172.16.0.0',
    'fe80::1',
  ]);
});

test('versions, outline numbers, OIDs, product tokens, MAC addresses and times are not addresses', () => {
  const text = [
    'version 1.2.3, 10.0.0, v1.2.3.4, version 1.2.3.4, Section 4.2.1.3, 1.3.6.1.4.1, Chrome/120.0.0.0',
    '00:1A:2B:3C:4D:5E, 12:30:45, std::map, 01.02.03.04',
  ].join('\n');
  expect(addresses(text)).toEqual([]);
});

test('a colon after an address ends the sentence, not the address', () => {
  expect(addresses('down: 2001:db8::1: restart it')).toEqual(['2001:db8::1']);
});
