// The raw Direct Line client lives with the reliability suite, which shares it.
export { DirectLineSession, type ActivitySet, type TokenResponse } from '../../scripts/soak/directLineClient';
