import { describeCompatibility } from './suite.js'

describeCompatibility('0.28.4')
