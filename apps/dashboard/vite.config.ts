import { defineConfig } from 'vite';

// Built into dist/ and served by the API at `/`; `npm run dev` proxies API calls to a
// locally running API so the page keeps talking to its own origin.
export default defineConfig({
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, target: 'es2022' },
  server: {
    proxy: Object.fromEntries(
      ['/v1', '/healthz', '/readyz', '/docs'].map((p) => [
        p,
        process.env.ROADCAST_API_URL ?? 'http://127.0.0.1:3000',
      ]),
    ),
  },
});
