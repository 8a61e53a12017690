import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '.nx/**',
      '.data/**',
      'libs/db/src/generated/**',
      'load-tests/out/**',
      'test-artifacts/**',
    ],
  },
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            // Apps wire libraries together; nothing imports an app.
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: ['type:lib', 'type:protocol', 'type:data', 'type:util', 'type:testing'],
            },
            // Feature libraries may use storage, protocol and utility libraries.
            {
              sourceTag: 'type:lib',
              onlyDependOnLibsWithTags: ['type:lib', 'type:protocol', 'type:data', 'type:util', 'type:testing'],
            },
            // Protocol code stays pure: no database, no feature libraries.
            { sourceTag: 'type:protocol', onlyDependOnLibsWithTags: ['type:protocol', 'type:util'] },
            { sourceTag: 'type:data', onlyDependOnLibsWithTags: ['type:util'] },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util'] },
            {
              sourceTag: 'type:testing',
              onlyDependOnLibsWithTags: ['type:lib', 'type:protocol', 'type:data', 'type:util', 'type:testing'],
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  // libs/mqtt owns the wire: everything else encodes, decodes and dials brokers through it.
  {
    files: ['**/*.{ts,mts,cts,js,mjs,cjs}'],
    ignores: ['libs/mqtt/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{
          group: ['mqtt-packet', 'mqtt-packet/*'],
          message: 'Use @roadcast/mqtt (encodePacket, PacketReader, dialBroker, MqttSession); only libs/mqtt imports mqtt-packet.',
        }],
      }],
    },
  },
);
