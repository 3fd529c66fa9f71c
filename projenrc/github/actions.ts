/**
 * Third-party actions, pinned to a full commit SHA (a tag can be moved; a SHA cannot).
 * The version is kept next to it for humans and for Dependabot.
 */
export const Actions = {
  checkout: 'actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683', // v4.2.2
  setupNode: 'actions/setup-node@39370e3970a6d050c480ffad4ff0ed4d3fdee5af', // v4.1.0
  setupBuildx: 'docker/setup-buildx-action@c47758b77c9736f4b2ef4073d4d51994fabfe349', // v3.7.1
  login: 'docker/login-action@9780b0c442fbb1117ed29e0efdff1e18412f7567', // v3.3.0
  metadata: 'docker/metadata-action@8e5442c4ef9f78752691e2d8f8d19755c6f78e81', // v5.5.1
  buildPush: 'docker/build-push-action@4f58ea79222b3b9dc2c8bbdd6debcef730109a75', // v6.9.0
} as const;
