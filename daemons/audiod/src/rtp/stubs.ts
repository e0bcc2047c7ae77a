import { BelfryError, type Handlers } from '@belfry/core';
import type { AudiodContract } from '../contract.js';

type RtpMethods = Pick<Handlers<AudiodContract>, 'rtpCodecs' | 'rtpOpen' | 'rtpStart' | 'rtpSendDtmf' | 'rtpStop'>;

/** Until the RTP sessions land: every method answers `unavailable` (sipd can be built against the contract). */
export function rtpStubs(): RtpMethods {
  const no = () => {
    throw new BelfryError('unavailable', 'RTP media is not implemented yet');
  };
  return { rtpCodecs: no, rtpOpen: no, rtpStart: no, rtpSendDtmf: no, rtpStop: no };
}
