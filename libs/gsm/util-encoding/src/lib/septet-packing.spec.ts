import fc from 'fast-check';
import { fillBitsAfter, packSeptets, unpackSeptets } from './septet-packing';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0)); // a-z are identity septets

describe('packSeptets / unpackSeptets', () => {
  it.each([
    ['hellohello', 'e8329bfd4697d9ec37'],
    ['hello', 'e8329bfd06'],
    ['Hello', 'c8329bfd06'],
    ['12345678', '31d98c56b3dd70'],
  ])('packs %j as %s (known vectors)', (text, packed) => {
    expect(hex(packSeptets(ascii(text)))).toBe(packed);
    expect(String.fromCharCode(...unpackSeptets(Buffer.from(packed, 'hex')))).toBe(text);
  });

  it('pads 7 spare bits with CR so a receiver without the count does not read "@" (23.038 6.1.2.3.1)', () => {
    const packed = packSeptets(ascii('1234567'));
    expect(hex(packed)).toBe('31d98c56b3dd1a');
    expect(String.fromCharCode(...unpackSeptets(packed))).toBe('1234567');
    expect(unpackSeptets(packed, 0, 8)[7]).toBe(0x0d);
  });

  it('starts after fill bits that align septets behind a UDH', () => {
    expect(fillBitsAfter(0)).toBe(0);
    expect(fillBitsAfter(6)).toBe(1); // 8-bit concatenation UDH
    expect(fillBitsAfter(7)).toBe(0); // 16-bit concatenation UDH
    expect(fillBitsAfter(4)).toBe(3);
    // "hello" after one fill bit: every bit moves up by one.
    expect(hex(packSeptets(ascii('hello'), 1))).toBe('d06536fb0d');
  });

  it('round-trips any septets with any fill', () => {
    fc.assert(
      fc.property(fc.uint8Array({ max: 127, maxLength: 200 }), fc.integer({ min: 0, max: 6 }), (septets, fill) => {
        const packed = packSeptets(septets, fill);
        expect(packed.length).toBe(Math.ceil((fill + septets.length * 7) / 8));
        expect([...unpackSeptets(packed, fill, septets.length)]).toEqual([...septets]);
      }),
    );
  });

  it('round-trips without the count unless the text ends with CR on an octet boundary', () => {
    fc.assert(
      fc.property(fc.uint8Array({ max: 127, maxLength: 200 }), (septets) => {
        fc.pre(septets.length === 0 || septets[septets.length - 1] !== 0x0d);
        expect([...unpackSeptets(packSeptets(septets))]).toEqual([...septets]);
      }),
    );
  });
});
