import { certificateIdentities, peerCertificate } from './client-certificate.authenticator';

describe('certificateIdentities', () => {
  it('names a certificate by its CN and its DNS, URI and email subjectAltNames, not its IP ones', () => {
    expect(certificateIdentities({ subject: { CN: 'billing' } as never, subjectaltname: 'DNS:billing.svc, URI:spiffe://c/ns/b/sa/billing, IP Address:10.0.0.1, email:ops@example.com' })).toEqual([
      'CN=billing',
      'DNS:billing.svc',
      'URI:spiffe://c/ns/b/sa/billing',
      'email:ops@example.com',
    ]);
    expect(certificateIdentities({ subject: {} as never, subjectaltname: undefined as never })).toEqual([]);
  });
});

describe('peerCertificate', () => {
  it('gives nothing for a plaintext call, an unverified certificate or an unknown call shape', () => {
    const call = (socket: object) => ({ call: { stream: { session: { socket } } } });
    const cert = { subject: { CN: 'x' } };
    expect(peerCertificate(undefined)).toBeUndefined();
    expect(peerCertificate({})).toBeUndefined();
    expect(peerCertificate(call({ encrypted: false }))).toBeUndefined();
    expect(peerCertificate(call({ encrypted: true, authorized: false, getPeerCertificate: () => cert }))).toBeUndefined();
    expect(peerCertificate(call({ encrypted: true, authorized: true, getPeerCertificate: () => cert }))).toBe(cert);
  });
});
