import { describeCompatibility } from './suite.js'

describeCompatibility('0.38.2')
