package detect

import "testing"

// benchLines are the customer lines of `kasuhara bench calls`: inquiries,
// complaints and harassment of every common kind.
var benchLines = []string{"先週注文した商品がまだ届かないんですが", "注文番号は12345です確認してください", "配達日を来週の火曜日に変更できますか", "届いた商品が壊れていたので交換してほしい", "対応が遅すぎる責任者を出してください", "ふざけるなお前じゃ話にならない", "今すぐ全額返金しろ", "殺菌スプレーの在庫はありますか", "土下座して謝れ", "夜道には気をつけろよ", "ネットに晒してやるからな"}

// BenchmarkDetect prints the cost of one detection with the learned layer
// and with the rules alone (go test -bench Detect ./detect/).
func BenchmarkDetect(b *testing.B) {
	for _, bc := range []struct {
		name string
		get  func(testing.TB) *Detector
	}{{"whole", testDetector}, {"rules", rulesDetector}} {
		b.Run(bc.name, func(b *testing.B) {
			d := bc.get(b)
			d.Detect(benchLines[0])
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				d.Detect(benchLines[i%len(benchLines)])
			}
		})
	}
}
