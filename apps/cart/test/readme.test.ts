import { describeServiceReadme } from '@myshop/testing';
import * as errors from '../src/errors.ts';
import { buildCart } from './helpers.ts';

describeServiceReadme({ service: 'cart', readme: new URL('../README.md', import.meta.url), errors, build: buildCart });
