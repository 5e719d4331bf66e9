import { configureTextEncoding } from '@bufbuild/protobuf/wire';

/**
 * Makes protobuf-es encode and decode strings with Node's Buffer instead of TextEncoder /
 * TextDecoder: ~5x faster for the short strings of our events (TextEncoder.encode was 6% of the
 * connector's CPU profile). Same UTF-8 bytes, same replacement of invalid sequences on decode.
 * Process-wide; call once at start.
 */
export function useNodeTextEncoding(): void {
  configureTextEncoding({
    encodeUtf8: (text: string) => Buffer.from(text, 'utf8'),
    decodeUtf8: (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'),
    checkUtf8: (text: string) => {
      try {
        encodeURIComponent(text);
        return true;
      } catch {
        return false;
      }
    },
  });
}
