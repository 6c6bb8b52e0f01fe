/** A certificate chain and its private key, PEM-encoded, as the server serves them. */
export interface TlsMaterial {
  cert: string | Buffer;
  key: string | Buffer;
}
