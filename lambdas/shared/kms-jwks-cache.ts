import type { KMSClient } from '@aws-sdk/client-kms';
import { JwksNotAvailableInCacheError, JwtWithoutValidKidError, KidNotFoundInJwksError } from 'aws-jwt-verify/error';
import { findJwkInJwks, type Jwks, type JwksCache, type JwkWithKid } from 'aws-jwt-verify/jwk';
import { fetchSigningJwk } from './signing-key';

/** Properties of {@link KmsJwksCache}. */
export interface KmsJwksCacheProps {
  /**
   * Least time between two KMS reads caused by an unknown `kid`, so forged tokens cannot flood KMS.
   * @default 300_000 (five minutes)
   */
  readonly refreshIntervalMs?: number;
  /**
   * The clock, in milliseconds since the epoch.
   * @default Date.now
   */
  readonly now?: () => number;
}

interface DecomposedJwt {
  readonly header: { readonly kid?: unknown };
}

/**
 * A JWKS cache for aws-jwt-verify that serves the platform signing key read from KMS instead of
 * downloading a JWKS over HTTPS. It reads KMS once per container, again at most once per refresh
 * interval when a token names an unknown `kid`, and never otherwise. The JWKS URI is ignored: the
 * cache serves the one key set of the platform's own issuer.
 */
export class KmsJwksCache implements JwksCache {
  private jwks?: Jwks;
  private loadedAt = Number.NEGATIVE_INFINITY;
  private loading?: Promise<Jwks>;
  private readonly refreshIntervalMs: number;
  private readonly now: () => number;

  constructor(
    private readonly kms: KMSClient,
    private readonly keyArn: string,
    props: KmsJwksCacheProps = {},
  ) {
    this.refreshIntervalMs = props.refreshIntervalMs ?? 300_000;
    this.now = props.now ?? Date.now;
  }

  async getJwk(_jwksUri: string, decomposedJwt: DecomposedJwt): Promise<JwkWithKid> {
    const kid = kidOf(decomposedJwt);
    const cached = this.jwks && findJwkInJwks(this.jwks, kid);
    if (cached) return cached;
    if (this.jwks && this.now() - this.loadedAt < this.refreshIntervalMs) {
      throw new KidNotFoundInJwksError(`JWK for kid ${kid} not found in the JWKS`);
    }
    const jwk = findJwkInJwks(await this.load(), kid);
    if (!jwk) throw new KidNotFoundInJwksError(`JWK for kid ${kid} not found in the JWKS`);
    return jwk;
  }

  getCachedJwk(_jwksUri: string, decomposedJwt: DecomposedJwt): JwkWithKid {
    const kid = kidOf(decomposedJwt);
    if (!this.jwks) throw new JwksNotAvailableInCacheError('The signing key is not loaded yet');
    const jwk = findJwkInJwks(this.jwks, kid);
    if (!jwk) throw new KidNotFoundInJwksError(`JWK for kid ${kid} not found in the JWKS`);
    return jwk;
  }

  addJwks(_jwksUri: string, jwks: Jwks): void {
    this.jwks = jwks;
    this.loadedAt = this.now();
  }

  /** The JWKS, read from KMS on first use. */
  async getJwks(_jwksUri?: string): Promise<Jwks> {
    return this.jwks ?? this.load();
  }

  /** Reads KMS; concurrent callers share one request. */
  private load(): Promise<Jwks> {
    this.loading ??= fetchSigningJwk(this.kms, this.keyArn)
      .then((jwk) => {
        this.addJwks('', { keys: [jwk] });
        return this.jwks!;
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }
}

function kidOf(decomposedJwt: DecomposedJwt): string {
  const { kid } = decomposedJwt.header;
  if (typeof kid !== 'string') throw new JwtWithoutValidKidError('JWT header does not have valid kid claim');
  return kid;
}
