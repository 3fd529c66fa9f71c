/**
 * The two compose renderings of the stack: `dev` builds every image from source on a
 * developer's machine, `prod` pulls the published images on a server. Services, variables
 * and published ports say which renderings include them.
 */
export type Rendering = 'dev' | 'prod';

/** Every rendering: the default of anything that says nothing. */
export const ALL_RENDERINGS: readonly Rendering[] = ['dev', 'prod'];
