import { describeServiceReadme } from '@myshop/testing';
import * as errors from '../src/errors.ts';
import { buildUser } from './helpers.ts';

describeServiceReadme({ service: 'user', readme: new URL('../README.md', import.meta.url), errors, build: buildUser });
