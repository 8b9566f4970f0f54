import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A timeout only ends a hung test. The CLI tests start Node processes (tsx) and take up to
    // 20 s each on a 2-core machine that other work loads (about 5 s unloaded): three times that.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
