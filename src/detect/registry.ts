// Every detector by name: the Record makes the set exhaustive at compile time.
import { headerDetector } from './header.js';
import { llmDetector } from './llm.js';
import { namesDetector } from './names.js';
import { nerDetector } from './ner.js';
import { rulesDetector } from './rules/index.js';
import type { Detector, DetectorName } from './types.js';

export const DETECTORS: Record<DetectorName, Detector> = {
  header: headerDetector,
  rules: rulesDetector,
  names: namesDetector,
  ner: nerDetector,
  llm: llmDetector,
};
