import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { errorResponses } from '../errors.js';

const SigningKeyList = Type.Object({
  items: Type.Array(
    Type.Object({
      keyId: Type.String(),
      algorithm: Type.Literal('Ed25519'),
      publicKeyPem: Type.String(),
    }),
  ),
});

/** The public keys vehicles trust to verify notices. */
const signingKeyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/v1/signing-keys',
    {
      config: { minRole: 'viewer' },
      schema: {
        tags: ['signing'],
        summary: 'Public keys that verify notices',
        response: { 200: SigningKeyList, ...errorResponses() },
      },
    },
    async () => ({
      items: [...app.deps.publicKeys].map(([keyId, publicKeyPem]) => ({
        keyId,
        algorithm: 'Ed25519' as const,
        publicKeyPem,
      })),
    }),
  );
};

export default signingKeyRoutes;
