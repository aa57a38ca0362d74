// The web console's build (docs/console.md): console/ is Vite's root, the output goes to
// dist/console, which the platform serves at `/` (src/server/http/console.ts).
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    // The check page is the public's way in: the charts load only with a robot page.
    chunkSizeWarningLimit: 400,
    sourcemap: false,
  },
  server: {
    // `npx vite console` for development, with the API of a platform on its default port.
    proxy: { '/v1': 'http://127.0.0.1:8080' },
  },
});
