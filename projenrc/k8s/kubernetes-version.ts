/**
 * The Kubernetes minor the manifests are written for and validated against: cdk8s-plus-33
 * renders its API, kubernetes-models 4.5 carries its OpenAPI schemas (v1.33.0), and the
 * namespace pins Pod Security to its version of the "restricted" profile. Every kind we
 * render is GA and unchanged from 1.23 to 1.36, so the manifests apply to any supported
 * cluster. Move the three together (kubernetes-models 5 needs Node.js 22).
 */
export const KUBERNETES_MINOR = '1.33';
